//! `seed-demo`: a demo restaurant with a bilingual menu, tables and an owner,
//! and `create-owner`: a new restaurant with its first owner.

use qrorder_shared::admin::{NewUser, Restaurant, Role};
use qrorder_shared::location::LocationPolicy;
use qrorder_shared::menu::{MenuOption, NewCategory, NewMenuItem, OptionGroup};
use qrorder_shared::{Currency, LocalizedText, RestaurantId};
use rand::RngCore;
use serde::Serialize;

use crate::http::error::ApiError;
use crate::infra::db::Db;
use crate::{menu, restaurant, tables, users};

/// Loopback and the private LAN ranges: a browser on the same machine or
/// the restaurant's (private) Wi-Fi passes the network check.
pub const LOCAL_NETWORKS: &[&str] = &[
    "127.0.0.0/8",
    "::1/128",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "fc00::/7",
    "fe80::/10",
];

#[derive(Debug, Clone, Serialize)]
pub struct DemoSeed {
    pub restaurant_id: RestaurantId,
    pub owner: Credentials,
    pub tables: Vec<SeededTable>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SeededTable {
    pub id: i64,
    pub name: String,
    pub token: String,
    pub url: String,
}

fn error(e: ApiError) -> anyhow::Error {
    anyhow::anyhow!("{}: {}", e.code, e.message)
}

pub fn random_password() -> String {
    let mut bytes = [0u8; 9];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A restaurant whose location policy is `network` over [`LOCAL_NETWORKS`].
pub fn local_restaurant(
    name: &str,
    currency: Currency,
    timezone: &str,
    languages: &[&str],
) -> Restaurant {
    Restaurant {
        id: RestaurantId(0),
        name: name.to_owned(),
        currency,
        timezone: timezone.to_owned(),
        languages: languages.iter().map(|l| (*l).to_owned()).collect(),
        location_policy: LocationPolicy::Network,
        network_cidrs: LOCAL_NETWORKS.iter().map(|n| (*n).to_owned()).collect(),
        trusted_proxies: Vec::new(),
        lat: None,
        lon: None,
        radius_m: None,
        tax_rate_bp: 0,
        tax_included: true,
        service_kinds: qrorder_shared::admin::all_service_kinds(),
        order_limits: Default::default(),
    }
}

pub async fn create_owner(
    db: &Db,
    restaurant: Restaurant,
    email: &str,
    password: &str,
) -> anyhow::Result<RestaurantId> {
    // Before the restaurant is made: a refused password leaves nothing behind.
    crate::auth::check_password(password).map_err(error)?;
    let id = restaurant::create(db, restaurant).await.map_err(error)?;
    let owner = NewUser {
        email: email.to_owned(),
        password: password.to_owned(),
        name: "Owner".into(),
        role: Role::Owner,
    };
    users::create(db, id, owner).await.map_err(error)?;
    Ok(id)
}

pub async fn seed_demo(db: &Db, base_url: &str) -> anyhow::Result<DemoSeed> {
    let krw: Currency = "KRW".parse()?;
    let mut r = local_restaurant("Hanok Kitchen (demo)", krw, "Asia/Seoul", &["en", "ko"]);
    // Seoul City Hall, for when the policy is switched to include GPS.
    r.lat = Some(37.5663);
    r.lon = Some(126.9779);
    r.radius_m = Some(150);
    // Korean menu prices include 10 % VAT.
    r.tax_rate_bp = 1000;
    let password = random_password();
    let mut suffix = [0u8; 3];
    rand::rng().fill_bytes(&mut suffix);
    let email = format!("owner-{}@demo.qrorder.test", hex::encode(suffix));
    let id = create_owner(db, r, &email, &password).await?;

    let t = |en: &str, ko: &str| LocalizedText::new(&[("en", en), ("ko", ko)]);
    let mut categories = Vec::new();
    for (sort, (en, ko)) in [
        ("Mains", "식사"),
        ("Sides", "곁들임"),
        ("Drinks", "음료"),
        ("Desserts", "디저트"),
    ]
    .into_iter()
    .enumerate()
    {
        let sort = i64::try_from(sort)?;
        let c = menu::create_category(
            db,
            id,
            NewCategory {
                name: t(en, ko),
                sort,
            },
        )
        .await
        .map_err(error)?;
        categories.push(c.id);
    }
    let spice = OptionGroup {
        id: "spice".into(),
        name: t("Spice level", "맵기"),
        min: 1,
        max: 1,
        options: vec![
            MenuOption {
                id: "mild".into(),
                name: t("Mild", "순한맛"),
                price_delta_minor: 0,
            },
            MenuOption {
                id: "medium".into(),
                name: t("Medium", "중간맛"),
                price_delta_minor: 0,
            },
            MenuOption {
                id: "hot".into(),
                name: t("Hot", "매운맛"),
                price_delta_minor: 0,
            },
        ],
    };
    let extras = OptionGroup {
        id: "extras".into(),
        name: t("Extras", "추가"),
        min: 0,
        max: 2,
        options: vec![
            MenuOption {
                id: "egg".into(),
                name: t("Fried egg", "계란 프라이"),
                price_delta_minor: 1000,
            },
            MenuOption {
                id: "beef".into(),
                name: t("Extra beef", "소고기 추가"),
                price_delta_minor: 3000,
            },
        ],
    };
    // (category, en, ko, description en, price, allergens, options, station, stock)
    type Row<'a> = (
        usize,
        &'a str,
        &'a str,
        &'a str,
        i64,
        &'a [&'a str],
        Vec<OptionGroup>,
        &'a str,
        Option<i64>,
    );
    let items: Vec<Row<'_>> = vec![
        (
            0,
            "Bibimbap",
            "비빔밥",
            "Rice with vegetables, beef and gochujang",
            12000,
            &["soy", "egg", "sesame"],
            vec![spice.clone(), extras],
            "kitchen",
            None,
        ),
        (
            0,
            "Bulgogi",
            "불고기",
            "Marinated grilled beef",
            16000,
            &["soy", "sesame"],
            vec![],
            "kitchen",
            Some(20),
        ),
        (
            0,
            "Kimchi jjigae",
            "김치찌개",
            "Kimchi stew with pork and tofu",
            11000,
            &["soy"],
            vec![spice.clone()],
            "kitchen",
            None,
        ),
        (
            0,
            "Japchae",
            "잡채",
            "Glass noodles with vegetables",
            13000,
            &["soy", "sesame"],
            vec![],
            "kitchen",
            None,
        ),
        (
            1,
            "Tteokbokki",
            "떡볶이",
            "Spicy rice cakes",
            9000,
            &["gluten", "soy"],
            vec![spice],
            "kitchen",
            None,
        ),
        (
            1,
            "Haemul pajeon",
            "해물파전",
            "Seafood and scallion pancake",
            15000,
            &["gluten", "egg", "shellfish"],
            vec![],
            "kitchen",
            Some(8),
        ),
        (
            1,
            "Mandu",
            "만두",
            "Pan-fried dumplings (6)",
            7000,
            &["gluten", "soy"],
            vec![],
            "kitchen",
            None,
        ),
        (
            1,
            "Kimchi",
            "김치",
            "House-made napa cabbage kimchi",
            3000,
            &["fish"],
            vec![],
            "kitchen",
            None,
        ),
        (
            2,
            "Sikhye",
            "식혜",
            "Sweet rice drink",
            4000,
            &[],
            vec![],
            "bar",
            None,
        ),
        (
            2,
            "Makgeolli",
            "막걸리",
            "Rice wine, 750 ml",
            8000,
            &["gluten"],
            vec![],
            "bar",
            Some(12),
        ),
        (2, "Soju", "소주", "360 ml", 6000, &[], vec![], "bar", None),
        (
            2,
            "Cola",
            "콜라",
            "355 ml can",
            2500,
            &[],
            vec![],
            "bar",
            None,
        ),
        (
            3,
            "Patbingsu",
            "팥빙수",
            "Shaved ice with sweet red beans",
            10000,
            &["milk"],
            vec![],
            "kitchen",
            Some(5),
        ),
        (
            3,
            "Hotteok",
            "호떡",
            "Sweet filled pancake",
            5000,
            &["gluten", "tree_nuts"],
            vec![],
            "kitchen",
            None,
        ),
    ];
    for (sort, (cat, en, ko, desc, price, allergens, option_groups, station, stock)) in
        items.into_iter().enumerate()
    {
        let new = NewMenuItem {
            category_id: categories[cat],
            name: t(en, ko),
            description: LocalizedText::new(&[("en", desc)]),
            price_minor: price,
            allergens: allergens.iter().map(|a| (*a).to_owned()).collect(),
            option_groups,
            station: station.to_owned(),
            available: true,
            stock,
            sort: i64::try_from(sort)?,
        };
        menu::create_item(db, id, new).await.map_err(error)?;
    }

    let mut seeded = Vec::new();
    for name in [
        "Table 1", "Table 2", "Table 3", "Table 4", "Table 5", "Table 6", "Window 1", "Window 2",
    ] {
        let table = tables::create(db, id, name, base_url)
            .await
            .map_err(error)?;
        seeded.push(SeededTable {
            id: table.id.0,
            name: table.name,
            token: table.token,
            url: table.url,
        });
    }
    Ok(DemoSeed {
        restaurant_id: id,
        owner: Credentials { email, password },
        tables: seeded,
    })
}
