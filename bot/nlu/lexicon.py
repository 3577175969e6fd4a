"""Word and character lists that tell languages apart where statistics on short text cannot.

Each list is a signal with a reason:
- Han characters: those that only one of Chinese and Japanese writes (from the national
  character sets), Chinese function characters, and words only one of them writes.
- Latin words: function words, greetings and thanks that belong to one candidate only.
- Devanagari words: Nepali and Hindi grammar words (Hindi is not answered: it is `und`).
Everything here is lower case and NFKC-normalised, as the detector sees text.
"""

from __future__ import annotations


def _encodes(ch: str, codec: str) -> bytes | None:
    try:
        return ch.encode(codec)
    except UnicodeEncodeError:
        return None


def japanese_writes(ch: str) -> bool:
    """In JIS X 0208 level 1: the 2,965 kanji of everyday Japanese (the old forms such as
    對 or 們 are in level 2 only, and Japanese text no longer writes them)."""
    code = _encodes(ch, "euc_jp")
    return code is not None and len(code) == 2 and 0xB0 <= code[0] <= 0xCF


def chinese_writes(ch: str) -> bool:
    """In GB 2312 (simplified Chinese) or among Big5's 5,401 frequent characters
    (traditional Chinese)."""
    if _encodes(ch, "gb2312") is not None:
        return True
    code = _encodes(ch, "big5")
    return code is not None and 0xA4 <= code[0] <= 0xC6


_CJK = [chr(o) for o in range(0x4E00, 0xA000)]

# Characters that only one of Chinese and Japanese writes, from the national character
# sets (Python's codecs), plus a few that both sets hold but only one language uses
# in everyday text: 這 還 裡 后 are "this", "still", "inside", "after" in Chinese and rare
# in Japanese; 証 浜 芸 are common in Japanese (証明, 横浜, 芸術) and rare in Chinese.
ZH_ONLY = frozenset(
    {ch for ch in _CJK if chinese_writes(ch) and not japanese_writes(ch)} | set("這還裡后")
)
JA_ONLY = frozenset(
    {ch for ch in _CJK if japanese_writes(ch) and not chinese_writes(ch)} | set("証浜芸")
)

# Characters of Chinese grammar that Japanese text does not contain, or only inside words of
# its own (旦那, 還付, 是非, 一時的: `langid.chinese_letters`). 誰 is not one: Japanese
# writes it as often as Chinese does.
ZH_FUNCTION = set(
    "的吗嗎呢么麼吧们們你您她它这這那哪很谁啊呀嘛咱是怎没沒给让讓还還啥咋啦喔哦囉欸繳缴"
)

# Latin-script words that belong to one candidate language. Ambiguous words are left out.
LATIN_WORDS: dict[str, set[str]] = {
    "en": set(
        "the is are was my i i'm im you your how what where when which who can could do does did to"
        " please pls thanks thank thx hello hi hey bye goodbye yes yeah sorry help need want have"
        " has lost where's"
        " what's how's it this that of for with and or not don't dont cannot can't should".split()
    ),
    "pt": set(
        "o os as meu minha meus minhas como onde quando não nao é eu você voce vc pra para preciso"
        " obrigado obrigada brigado valeu tchau oi olá ola bom boa dia tarde noite sim quero tenho"
        " fazer posso pode perdi cartão cartao seguro lixo imposto escola trabalho ajuda socorro"
        " também tambem tb pq porque oq que é está esta estou tá ta isso aqui lá qual quanto"
        " custa do da dos das no na nos nas um uma com sem mas ou já ja ajudar preciso consigo queria gostaria saber moro trabalho empresa dinheiro pagar médico medico"
        # Brazilian chat's own abbreviations (valeu, beleza, tamo junto, obrigado, falou...)
        " vlw blz tmj obg obgd flw pfv bjs mto qnd qdo dps tbm cadê cade".split()
    ),
    "es": set(
        "el la los las mi mis cómo dónde donde cuándo cuando qué necesito quiero tengo hacer puedo"
        " gracias hola adiós adios buenos buenas días sí ayuda perdí tarjeta seguro basura"
        " impuestos escuela trabajo también porque está estoy eso aquí allí cuál cuánto cuesta"
        " del al un una con sin pero ya hay usted ustedes tu tú yo pido pedir puedo necesito hago mi se lo le les dinero trabajar vivo quisiera saber ayúdame ayudame señor tarjeta residencia ciudad oficina impuesto impuestos llamar hijo hija niño".split()
    ),
    "tl": set(
        "ang ng mga sa po ko ako akin ikaw ka mo siya kami tayo kayo sila paano saan ano ba na naman"
        " yung iyong kasi hindi salamat kumusta kamusta pwede puwede gusto wala walang nawala nawalan"
        " magkano kailan bakit sino dito doon ito iyan iyon lang din rin daw raw pa nga opo oo"
        " tulong tulungan paalam ingat magandang umaga hapon gabi natin namin kanino may meron"
        " kailangan mag magpa nag nasaan pano".split()
    ),
    "id": set(
        "saya yang tidak bagaimana dimana apa bisa mau ingin terima kasih makasih tolong hilang"
        " kartu ada dengan untuk sudah belum kak selamat pagi siang sore malam halo permisi maaf"
        " aku kamu anda berapa kapan kenapa mengapa ini itu juga atau tapi dari ke harus perlu"
        " bantu bantuan sampai jumpa ya baik dong gimana gak nggak enggak bikin mana banget cara daftar kerja gaji rumah dokter obat sekolah uang bayar pajak asuransi kesehatan kantor pindah alamat lapor polisi tanya dapat pakai udah lagi sama buat kalau kalo jadi apakah kemana lama baru habis perpanjang izin tinggal dompet kecelakaan gempa banjir gigi bagaimana sedang mohon".split()
    ),
    "vi": set(
        "tôi toi mình minh là của cua không khong ko được duoc dc làm lam sao thế nào đâu dau bao"
        " nhiêu nhieu tiền tien giúp giup xin chào chao cảm cam ơn cám em anh chị chi ơi ạ bạn ban"
        " cho hỏi hoi với voi này nay vâng vang dạ muốn muon cần can thẻ the bị bi mất mat ở"
        " đi di gì gi nhé nhe thì thi".split()
    ),
    # Romanized Japanese, Nepali and Chinese: common in chats, and no script shows it.
    "ja": set(
        "desu masu arigatou arigato arigatō onegai onegaishimasu shimasu konnichiwa konnichiha"
        " ohayou ohayo sumimasen gozaimasu nani doko dou kudasai oshiete wakaranai nakushita"
        " shitai dekimasu desuka wo ga dashikata tetsuzuki kaado ikura itsu doushitara shitara"
        " dekiru arimasu imasu kudasai yokatta daijoubu dame naze nande".split()
    ),
    "ne": set(
        "malai mero garna garne parcha parchha cha chha huncha hunchha kasari kaha kahaa"
        " dhanyabad dhanyawad namaste hajur tapai tapaai gareko bhayo bhaye chahiyo"
        " garnus garnuhos dinus dinuhos bujhina bujhena chaina chhaina thaha"
        # the same words as many type them, with x for chh (xa is Vietnamese too: left out)
        " xaina hunxa garxa lagxa parxa matlab huss"
        # everyday words and verb forms of Nepalis' chats; kati, kun and baje are other
        # candidates' words too (Tagalog "itch", Indonesian, Spanish), but far rarer there
        # than "kati paisa?", "kun office?", "kati baje?" are in a Nepali's messages
        " kati kun baje bujhe bujhen bujhiyo hoina kateko katyo bhanera bhane bhanne thik"
        " parne pardaina paryo lagyo lagchha diyo dinu liyo aayo janu aauxa sakinchha sakxa"
        " milchha milxa garchu garxu garchha hunu hunna hudaina timi hami hamro tapaiko tyaha"
        " chaincha kasto".split()
    ),
    # Pinyin without tones: only words no other candidate writes.
    "zh": set(
        "xiexie nihao zenme zenmeban shenme weishenme nali nar meiyou keyi duoshao bangmang"
        " jiuming qianzheng laji wenti dianhua xianzai zhidao".split()
    ),
}

# Words that Portuguese and Spanish both write ("que", "no", "para", "como", "se"): they
# tell neither apart, so neither list keeps them.
PT_ES_SHARED = set(
    "o como para perdi seguro socorro porque que está esta aqui da dos das no nos mas"
    " consigo queria saber empresa pagar médico medico tu se vivo".split()
)
for _lang in ("pt", "es"):
    LATIN_WORDS[_lang] -= PT_ES_SHARED

# Words every community writes: they never make a message clear.
UNIVERSAL_WORDS = set(
    "ok okay okey oke k kk visa card hello hi hey test bye thanks thank you yes no help sos covid line"
    " telegram ok!".split()
)

# The English names of Japanese institutions and cards, which every community writes: their
# words ("my") say nothing about the writer's language.
TERM_PHRASES = ("my ?number(?: card)?", "hello ?work")

# Letters that only Vietnamese writes, among the Latin candidates.
VI_LETTERS = set("ăđơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịĩọỏốồổỗộớờởỡợụủũứừửữựỳỵỷỹ")
PT_LETTERS = set("çãõ")
ES_LETTERS = set("ñ¿¡")

# Nepali and Hindi grammar words in Devanagari.
NE_WORDS = set(
    "छ छु छौं छन् छैन हो होइन मेरो मेरा मलाई तपाईं तपाई तपाईँ गर्न गर्नु गर्छ गरेको गर्ने भयो"
    " भएको कहाँ कसरी चाहिन्छ चाहियो पर्छ पर्यो लागि हुन्छ हुनुहुन्छ थियो त्यो यो सक्छु सक्छ"
    " बाट लाई मा नेपाली हजुर कति कुन पाउन पाइन्छ सक्नुहुन्छ गर्नुहोस् भन्नुहोस्".split()
)
# Endings of Nepali verbs that Hindi never writes (सोध्छु, खुल्छ, आउँछन्, पाइँदैन, गर्नुहोस्).
NE_ENDINGS = ("छु", "छौं", "छौ", "छन्", "छिन्", "छैन", "न्छ", "ँछ", "दैन", "नुहोस्", "नुस्")
# Not के: Nepali writes it too ("what": के गर्ने).
HI_WORDS = set(
    "है हैं था थी थे मैं मेरा मेरी मुझे आप क्या कैसे कहां नहीं यह वह में से लिए करना करें"
    " चाहिए हूँ हूं हम तुम कृपया बताइए बताओ".split()
)

# Names residents use for the answered languages, beyond those in guidebook/messages/*.yml
# (`language_names`) and the autonyms of the language menu.
LANGUAGE_ALIASES: dict[str, tuple[str, ...]] = {
    "ja": (
        "japanese",
        "nihongo",
        "japones",
        "japonês",
        "hapon",
        "nihongo po",
        "日文",
        "일본말",
        "tiếng nhật",
    ),
    "ja-easy": (
        "easy japanese",
        "simple japanese",
        "yasashii nihongo",
        "やさしいにほんご",
        "やさしい にほんご",
        "簡単な日本語",
        "かんたんな日本語",
        "かんたんな にほんご",
        "쉬운 일본어",
    ),
    "en": (
        "english",
        "eng",
        "ingles",
        "inglés",
        "inggris",
        "英文",
        "英語で",
        "영어",
        "अंग्रेजी",
        "tieng anh",
    ),
    "zh": (
        "chinese",
        "mandarin",
        "chines",
        "中国话",
        "中國話",
        "汉语",
        "漢語",
        "普通话",
        "国语",
        "華語",
        "중국말",
    ),
    "ko": ("korean", "hangul", "hangugeo", "coreano", "韩文", "韓文", "한국말", "tieng han"),
    "pt": ("portuguese", "portugues", "português", "portugues brasileiro", "葡语"),
    "tl": ("tagalog", "filipino", "pilipino", "tagalo", "タガログ", "필리핀어"),
    "vi": ("vietnamese", "tieng viet", "vietnamita", "越南话", "베트남말"),
    "ne": ("nepali", "nepalese", "nepal", "नेपाली भाषा", "नेपालीमा"),
}
